// Symptoms A–Z: reveals the filter box and hides the entries that do not contain every typed
// word. Without this script the whole list shows, with letter links: nothing depends on it.
(function () {
  'use strict';
  var box = document.querySelector('[data-az-filter]');
  if (!box || !document.querySelectorAll) return;
  var input = box.querySelector('input');
  var status = box.querySelector('[role="status"]');
  // The words come from the theme's strings file: "{shown} of {total} shown".
  var statusText = status.getAttribute('data-az-status') || '';
  var none = document.querySelector('[data-az-none]');
  var groups = Array.prototype.slice.call(document.querySelectorAll('.az-group'));
  var total = document.querySelectorAll('.az-list > li').length;

  // Case and accents do not matter: "Odem" finds "Ödem".
  function fold(text) {
    var lower = text.toLowerCase();
    return lower.normalize ? lower.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : lower;
  }

  function apply() {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    groups.forEach(function (group) {
      var inGroup = 0;
      group.querySelectorAll('.az-list > li').forEach(function (entry) {
        var text = fold(entry.textContent);
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        entry.hidden = !match;
        if (match) inGroup += 1;
      });
      group.hidden = inGroup === 0;
      shown += inGroup;
    });
    none.hidden = shown !== 0;
    status.textContent = words.length
      ? statusText.replace('{shown}', shown).replace('{total}', total)
      : '';
  }

  box.hidden = false;
  input.addEventListener('input', apply);
})();
