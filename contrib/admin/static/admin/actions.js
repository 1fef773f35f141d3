// The change list's action bar: "select all" and the count of selected rows. Without
// JavaScript the checkboxes still work one by one.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.getElementById("action-toggle");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.action-select"));
  var counter = document.querySelector(".action-counter");
  function update() {
    var chosen = boxes.filter(function (b) { return b.checked; }).length;
    if (counter) { counter.textContent = chosen + " of " + boxes.length + " selected"; }
    if (toggle) { toggle.checked = chosen > 0 && chosen === boxes.length; }
    boxes.forEach(function (b) { b.closest("tr").classList.toggle("selected", b.checked); });
  }
  if (toggle) {
    toggle.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = toggle.checked; });
      update();
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  update();
});
