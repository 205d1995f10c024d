// Display equations wider than the text column are set smaller, down to 75 % of their size,
// so that they fit beside their equation number; what is still too wide scrolls inside the
// column (see book.css). Re-run when the window changes size.
(function () {
  "use strict";
  var SMALLEST = 0.75;

  function fit() {
    var boxes = document.querySelectorAll('mjx-container[display="true"]');
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.dataset.baseSize === undefined) {
        box.dataset.baseSize = parseFloat(box.style.fontSize) || 100;
      }
      var base = parseFloat(box.dataset.baseSize);
      box.style.fontSize = base + "%";
      var math = box.querySelector("mjx-math");
      if (!math) continue;
      var need = math.getBoundingClientRect().width;
      var have = box.clientWidth;
      if (need > have && need > 0) {
        var scale = Math.max(SMALLEST, (have - 2) / need);
        box.style.fontSize = (base * scale).toFixed(2) + "%";
        box.dataset.scaled = scale.toFixed(3);
      } else {
        delete box.dataset.scaled;
      }
    }
    document.documentElement.dataset.mathFitted = "yes";
  }

  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(fit, 100);
  }

  function start() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(fit);
    } else {
      document.documentElement.dataset.mathFitted = "yes";
    }
  }

  window.addEventListener("load", start);
  window.addEventListener("resize", later);
  window.dlbookFitMath = fit;
})();
