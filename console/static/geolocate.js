// Check-in and check-out send where the phone is: a form marked data-geolocate asks the browser
// for its position when it is submitted, fills the hidden lat/lng fields and then sends itself.
// Without a position (permission refused, no fix within 10 s, no HTTPS, no script at all) the
// form is sent anyway with the fields blank, and the visit records the position as unknown.
(function () {
  "use strict";
  var WAIT_MS = 10000;

  function say(form, text) {
    var status = form.querySelector("[data-geo-status]");
    if (status) { status.textContent = text; }
  }

  function send(form, submitter) {
    form.dataset.located = "1";
    if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    // After the data is taken: one tap sends one form, a second tap finds the buttons disabled.
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  }

  function locate(event) {
    var form = event.target;
    if (form.dataset.located) { return; }
    event.preventDefault();
    if (form.dataset.locating) { return; }
    form.dataset.locating = "1";
    var submitter = event.submitter;
    if (!navigator.geolocation) {
      say(form, "此浏览器无法定位，将记录为位置未知");
      send(form, submitter);
      return;
    }
    say(form, "正在获取位置…");
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lng.value = position.coords.longitude.toFixed(6);
      say(form, "已获取位置（精度约 " + Math.round(position.coords.accuracy) + " 米），正在提交…");
      send(form, submitter);
    }, function () {
      say(form, "未能获取位置（未授权或信号弱），将记录为位置未知");
      send(form, submitter);
    }, { enableHighAccuracy: true, timeout: WAIT_MS, maximumAge: 60000 });
  }

  document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
    form.addEventListener("submit", locate);
  });
  // Back to a page kept in the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
      delete form.dataset.located;
      delete form.dataset.locating;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    });
  });
}());
