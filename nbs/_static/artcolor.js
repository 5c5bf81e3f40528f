// The report's figures open at full size when clicked or tapped: on a phone a figure is shrunk to the
// column, and its smallest text (tile counts, the numbers of a confusion matrix) is read at full size.
document.addEventListener('DOMContentLoaded', () => {
  for (const img of document.querySelectorAll('div.cell_output img')) {
    if (img.closest('a')) continue;
    const link = document.createElement('a');
    link.href = img.src;
    link.title = 'the figure at full size';
    img.replaceWith(link);
    link.appendChild(img);
  }
});

// A table wider than the screen scrolls inside its own box; a line above it says so, since a phone
// shows no scroll bar until the table is touched.
function markWideTables() {
  const holders = new Map();                      // the output or container above which a line goes -> does it scroll?
  for (const t of document.querySelectorAll('main table')) {
    const holder = t.closest('div.cell_output') || t.closest('.pst-scrollable-table-container') || t.parentElement;
    let wide = false;
    for (let b = t.parentElement; b; b = b.parentElement) {
      if (b.scrollWidth > b.clientWidth + 1) { wide = true; break; }
      if (b === holder) break;
    }
    holders.set(holder, holders.get(holder) || wide);
  }
  for (const [holder, wide] of holders) {
    let hint = holder.previousElementSibling;
    if (!hint || !hint.classList.contains('scroll-hint')) {
      hint = document.createElement('div');
      hint.className = 'scroll-hint';
      hint.textContent = 'More columns to the right: scroll the table sideways →';
      holder.before(hint);
    }
    hint.hidden = !wide;
  }
}
document.addEventListener('DOMContentLoaded', markWideTables);
window.addEventListener('resize', markWideTables);
