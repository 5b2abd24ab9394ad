/* The running timer of the time-entry page. An external file (the CSP allows no inline script).
   The start time is kept in localStorage, so the timer survives leaving or reloading the page;
   nothing is sent anywhere: stopping it only fills in the minutes field of the form. */
(function () {
  "use strict";
  var START = "lawledger.billing.timer.start";
  var ELAPSED = "lawledger.billing.timer.elapsed";
  var display = document.getElementById("timer-display");
  var startButton = document.getElementById("timer-start");
  var stopButton = document.getElementById("timer-stop");
  var resetButton = document.getElementById("timer-reset");
  var minutes = document.getElementById("minutes");
  var status = document.getElementById("timer-status");
  if (!display || !startButton || !stopButton || !resetButton || !minutes) { return; }

  function read(key) {
    var value = parseInt(window.localStorage.getItem(key) || "0", 10);
    return isNaN(value) ? 0 : value;
  }

  function elapsedMs() {
    var started = read(START);
    return read(ELAPSED) + (started ? Date.now() - started : 0);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function render() {
    var seconds = Math.floor(elapsedMs() / 1000);
    display.textContent = Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) +
      ":" + pad(seconds % 60);
    var running = read(START) !== 0;
    startButton.disabled = running;
    stopButton.disabled = !running;
  }

  startButton.addEventListener("click", function () {
    if (!read(START)) { window.localStorage.setItem(START, String(Date.now())); }
    status.textContent = "Timer running.";
    render();
  });

  stopButton.addEventListener("click", function () {
    var total = elapsedMs();
    window.localStorage.setItem(ELAPSED, String(total));
    window.localStorage.removeItem(START);
    minutes.value = String(Math.max(1, Math.ceil(total / 60000)));
    status.textContent = "Timer stopped: " + minutes.value + " minutes filled in.";
    render();
    minutes.focus();
  });

  resetButton.addEventListener("click", function () {
    window.localStorage.removeItem(START);
    window.localStorage.removeItem(ELAPSED);
    status.textContent = "Timer reset.";
    render();
  });

  render();
  window.setInterval(render, 1000);
}());
