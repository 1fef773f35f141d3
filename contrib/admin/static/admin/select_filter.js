// Two boxes for a many-to-many field (Django's filter_horizontal): the rows available, with a
// box to filter them as you type, and the rows chosen; buttons (or a double click) move rows
// between the two. The form's own <select multiple> stays the one submitted, hidden and kept
// in step; without JavaScript it is shown as it is.
(function () {
  function option(source) {
    var o = document.createElement("option");
    o.value = source.value;
    o.textContent = source.textContent;
    return o;
  }
  function button(text, label) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    return b;
  }
  function widget(select) {
    var name = select.getAttribute("name");
    var label = document.querySelector("label[for='" + select.id + "']");
    var title = label ? label.textContent.trim() : name;
    var box = document.createElement("div");
    box.className = "selector";
    var left = document.createElement("div");
    left.className = "selector-available";
    var right = document.createElement("div");
    right.className = "selector-chosen";
    var filter = document.createElement("input");
    filter.type = "search";
    filter.placeholder = "Filter";
    filter.setAttribute("aria-label", "Filter available " + title.toLowerCase());
    var available = document.createElement("select");
    available.multiple = true;
    available.setAttribute("aria-label", "Available " + title.toLowerCase());
    var chosen = document.createElement("select");
    chosen.multiple = true;
    chosen.setAttribute("aria-label", "Chosen " + title.toLowerCase());
    Array.prototype.forEach.call(select.options, function (o) {
      (o.selected ? chosen : available).appendChild(option(o));
    });
    var add = button("\u2192", "Choose the selected " + title.toLowerCase());
    var remove = button("\u2190", "Remove the selected " + title.toLowerCase());
    function sync() {
      var picked = {};
      Array.prototype.forEach.call(chosen.options, function (o) { picked[o.value] = true; });
      Array.prototype.forEach.call(select.options, function (o) { o.selected = !!picked[o.value]; });
    }
    function move(from, to) {
      Array.prototype.slice.call(from.selectedOptions).forEach(function (o) {
        o.selected = false;
        o.hidden = false;
        to.appendChild(o);
      });
      applyFilter();
      sync();
    }
    function applyFilter() {
      var text = filter.value.toLowerCase();
      Array.prototype.forEach.call(available.options, function (o) {
        o.hidden = text !== "" && o.textContent.toLowerCase().indexOf(text) === -1;
      });
    }
    filter.addEventListener("input", applyFilter);
    add.addEventListener("click", function () { move(available, chosen); });
    remove.addEventListener("click", function () { move(chosen, available); });
    available.addEventListener("dblclick", function () { move(available, chosen); });
    chosen.addEventListener("dblclick", function () { move(chosen, available); });
    var headingLeft = document.createElement("p");
    headingLeft.className = "selector-title";
    headingLeft.textContent = "Available " + title.toLowerCase();
    var headingRight = document.createElement("p");
    headingRight.className = "selector-title";
    headingRight.textContent = "Chosen " + title.toLowerCase();
    left.appendChild(headingLeft);
    left.appendChild(filter);
    left.appendChild(available);
    right.appendChild(headingRight);
    right.appendChild(chosen);
    var buttons = document.createElement("div");
    buttons.className = "selector-buttons";
    buttons.appendChild(add);
    buttons.appendChild(remove);
    box.appendChild(left);
    box.appendChild(buttons);
    box.appendChild(right);
    select.hidden = true;
    select.parentNode.insertBefore(box, select.nextSibling);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-filter-horizontal]");
    if (!form) { return; }
    JSON.parse(form.getAttribute("data-filter-horizontal")).forEach(function (name) {
      var select = form.querySelector("select[name='" + name + "'][multiple]");
      if (select) { widget(select); }
    });
  });
})();
