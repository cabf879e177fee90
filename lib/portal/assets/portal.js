// The portal's only script (served from the portal itself; the page's
// policy runs nothing inline): times in the browser's own zone, and copy
// buttons. Without it the pages still work, with times in UTC.
document.querySelectorAll('time[datetime]').forEach((t) => {
  const d = new Date(t.getAttribute('datetime'));
  if (!isNaN(d)) {
    t.textContent = d.toLocaleString();
    t.title = t.getAttribute('datetime');
  }
});
document.querySelectorAll('button.copy[data-copy]').forEach((b) => {
  b.addEventListener('click', async () => {
    const from = document.getElementById(b.dataset.copy);
    try {
      await navigator.clipboard.writeText(from.textContent.trim());
      b.textContent = 'Copied';
    } catch (e) {
      // no clipboard (an insecure origin): select it for the user
      const range = document.createRange();
      range.selectNodeContents(from);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      b.textContent = 'Selected: press Ctrl+C';
    }
  });
});
