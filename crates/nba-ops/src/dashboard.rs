//! The operations dashboard: one self-contained HTML page (no CDN, inline CSS and JS) that
//! polls `/health`, `/v1/ops/summary` and `/v1/alerts` and draws its charts as SVG. The page
//! itself is public; its data needs an API key (health:read), which the page takes from the
//! URL fragment (`/dashboard#key=...`, never sent to the server) or a form, keeps in the
//! tab's sessionStorage and sends as `Authorization: Bearer` on every request.

/// The page served at `/dashboard`.
pub const PAGE: &str = include_str!("dashboard.html");
