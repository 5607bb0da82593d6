// The Gatehouse console's only script: every page works without it. It offers an optional
// auto-refresh of the connections page and moves focus to a flash message.
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");
  document.addEventListener("DOMContentLoaded", function () {
    var flash = document.getElementById("flash");
    if (flash) { flash.setAttribute("tabindex", "-1"); flash.focus(); }
    var box = document.getElementById("auto-refresh");
    if (!box) { return; }
    box.checked = window.sessionStorage.getItem("gatehouse.autoRefresh") === "on";
    var timer = null;
    function schedule() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (box.checked) { timer = window.setTimeout(function () { window.location.reload(); }, 5000); }
    }
    box.addEventListener("change", function () {
      window.sessionStorage.setItem("gatehouse.autoRefresh", box.checked ? "on" : "off");
      schedule();
    });
    schedule();
  });
})();
