// samprio console: small enhancements only. Every action also works
// without this script (plain forms that post and redirect).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // An error summary takes the focus, so screen readers announce it.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
});
