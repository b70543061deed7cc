"""``/assets/…``: the pages' one stylesheet and small scripts, served by the app itself."""

from __future__ import annotations

from center.pages.web import page_blueprint

bp = page_blueprint("page_assets", __name__, static_folder="static", static_url_path="/assets")
