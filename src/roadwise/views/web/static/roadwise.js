// Roadwise web: the only script of our own. Pages work without it; it adds "tick all".
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll('input[name="sel"]').forEach((box) => { box.checked = all.checked; });
    });
  }
});
