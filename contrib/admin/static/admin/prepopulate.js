// Prepopulated fields (Django's prepopulated_fields): a slug typed for you from the title
// until you type in it yourself. The form lists them in data-prepopulated as
// [{"field": "slug", "from": ["title"]}]; a field that is not empty when the page opens is
// left alone, so editing an object never rewrites its URL.
(function () {
  function slugify(text, max) {
    var slug = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/[^\w\s-]/g, "").trim().replace(/[-\s_]+/g, "-");
    if (max > 0) { slug = slug.slice(0, max); }
    return slug.replace(/-+$/, "");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-prepopulated]");
    if (!form) { return; }
    JSON.parse(form.getAttribute("data-prepopulated")).forEach(function (rule) {
      var target = form.querySelector("[name='" + rule.field + "']");
      var sources = rule.from.map(function (name) { return form.querySelector("[name='" + name + "']"); })
        .filter(Boolean);
      if (!target || target.value !== "") { return; }
      var typed = false;
      target.addEventListener("input", function () { typed = target.value !== ""; });
      var max = parseInt(target.getAttribute("maxlength") || "50", 10);
      var fill = function () {
        if (typed) { return; }
        target.value = slugify(sources.map(function (s) { return s.value; }).join(" "), max);
      };
      sources.forEach(function (s) { s.addEventListener("input", fill); s.addEventListener("change", fill); });
    });
  });
})();
