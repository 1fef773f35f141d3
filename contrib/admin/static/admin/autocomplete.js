// Autocomplete fields (Django's autocomplete_fields): a search box above the foreign key's
// select asks the admin's JSON endpoint for matching rows as you type, twenty at a time, and
// offers them in the select; the row chosen is what the form sends. The page never holds
// every row of the model pointed to.
(function () {
  function setUp(select) {
    var url = select.getAttribute("data-autocomplete-url");
    var search = document.createElement("input");
    search.type = "search";
    search.className = "autocomplete-search";
    search.placeholder = "Search\u2026";
    search.setAttribute("aria-label", "Search for " + (select.labels.length ? select.labels[0].textContent.trim() : "a row"));
    search.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(search, select);
    var timer = null;
    var asked = 0;
    function show(results, more) {
      var current = select.value;
      var keep = Array.prototype.filter.call(select.options, function (o) { return o.value === "" || o.value === current; });
      select.textContent = "";
      keep.forEach(function (o) { select.appendChild(o); });
      results.forEach(function (row) {
        if (row.id === current) { return; }
        var o = document.createElement("option");
        o.value = row.id;
        o.textContent = row.text;
        select.appendChild(o);
      });
      if (more) {
        var o = document.createElement("option");
        o.disabled = true;
        o.textContent = "\u2026 type more to narrow the search";
        select.appendChild(o);
      }
      select.size = Math.min(Math.max(select.options.length, 2), 8);
    }
    function ask() {
      var mine = ++asked;
      fetch(url + "&term=" + encodeURIComponent(search.value), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [], pagination: { more: false } }; })
        .then(function (answer) { if (mine === asked) { show(answer.results, answer.pagination.more); } })
        .catch(function () {});
    }
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    });
    select.addEventListener("change", function () { select.size = 0; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select.autocomplete[data-autocomplete-url]"), setUp);
  });
})();
