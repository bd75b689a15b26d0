// Renders this server's OpenAPI document. The document needs credentials: the browser asks for
// them (Basic), and "Authorize" takes an API key for "Try it out".
window.addEventListener('load', () => {
  window.SwaggerUIBundle({
    url: '/api/v1/OpenApi',
    dom_id: '#reference',
    deepLinking: true,
    persistAuthorization: false,
  });
});
