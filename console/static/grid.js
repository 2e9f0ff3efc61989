// The compliance grid's reasons: shown on hover and on keyboard focus by the stylesheet alone;
// a click (or Enter/Space on the focused result) pins one open, Escape or a second click closes.
(function () {
  "use strict";
  var cells = document.querySelectorAll(".grid .cell");

  function close(cell) {
    cell.classList.remove("open");
    cell.querySelector(".verdict").setAttribute("aria-expanded", "false");
  }

  cells.forEach(function (cell) {
    var button = cell.querySelector(".verdict");
    button.addEventListener("click", function () {
      var opening = !cell.classList.contains("open");
      cells.forEach(close);
      if (opening) {
        cell.classList.add("open");
        button.setAttribute("aria-expanded", "true");
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { cells.forEach(close); }
  });
}());
