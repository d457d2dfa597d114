// The planning board: click an empty night to add a booking there; ← / → / t move the window.
(function () {
  "use strict";
  const board = document.querySelector(".planning-board");
  if (!board) return;
  const days = Number(board.dataset.days);
  const start = new Date(board.dataset.start + "T00:00:00Z");

  function isoDay(offset) {
    const day = new Date(start.getTime() + offset * 86400000);
    return day.toISOString().slice(0, 10);
  }

  board.querySelectorAll(".board-track").forEach(function (track) {
    track.addEventListener("click", function (event) {
      if (event.target !== track) return; // a bar or an alert is a link of its own
      const box = track.getBoundingClientRect();
      const night = Math.floor(((event.clientX - box.left) / box.width) * days);
      if (night < 0 || night >= days) return;
      const params = new URLSearchParams({
        rental: track.dataset.rental,
        check_in_date: isoDay(night),
        check_out_date: isoDay(night + 1),
      });
      window.location.href = board.dataset.addUrl + "?" + params.toString();
    });
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    const links = { ArrowLeft: "board-prev", ArrowRight: "board-next", t: "board-today" };
    const id = links[event.key];
    if (!id) return;
    event.preventDefault();
    window.location.href = document.getElementById(id).href;
  });
})();
