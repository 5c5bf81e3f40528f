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
