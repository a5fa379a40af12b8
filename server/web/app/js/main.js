// @ts-check
// The field app's entry point.
document.body.classList.add('js-enabled', 'govuk-frontend-supported');
const loading = document.getElementById('app-loading');
if (loading) loading.textContent = 'Ready.';
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
}
