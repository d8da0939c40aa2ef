// Refreshes the numbers of the mail progress table in place every few seconds.
// The page works without it: the "refresh" link reloads the same numbers.
(function () {
  "use strict";
  var table = document.getElementById("mail-progress");
  if (!table || !window.fetch) return;
  var source = table.getAttribute("data-source");
  function update() {
    fetch(source, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        rows.forEach(function (row) {
          var tr = table.querySelector('tr[data-batch="' + row.batch + '"]');
          if (!tr) return;
          ["queued", "sent", "failed", "skipped"].forEach(function (field) {
            var cell = tr.querySelector('[data-field="' + field + '"]');
            if (cell) cell.textContent = row[field];
          });
        });
      })
      .catch(function () { /* try again next time */ });
  }
  setInterval(update, 3000);
})();
