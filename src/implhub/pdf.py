"""HTML -> PDF with WeasyPrint, for every PDF implhub writes (documents and reports).

WeasyPrint on its own fetches whatever a page points at (file:, http:, ftp:) and embeds the
target of `<a rel="attachment">` / `<link rel="attachment">` in the PDF. A PDF rendered from text
a person typed must do neither, so every render goes through `html_to_pdf`:

- the URL fetcher serves `data:` URIs (the Gantt picture) and implhub's packaged files under the
  `implhub-asset:` scheme, and refuses file:, every host and every other scheme;
- the rendered document's attachments and attachment links are removed before the PDF is written,
  so no PDF carries an embedded file, whatever markup reached the renderer.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import PurePosixPath
from typing import Any

from implhub.errors import ImplhubError

PDF_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
#: `implhub-asset:data/documents/x.png` names a file shipped inside the implhub package
ASSET_SCHEME = "implhub-asset"
#: the package folders an asset URL may read from
ASSET_ROOTS = ("data", "web/static")


class RenderError(ImplhubError):
    """A document or report cannot be rendered as asked (format, missing PDF libraries)."""


class RefusedURL(ValueError):
    """A PDF render asked for something outside data: URIs and implhub's packaged assets."""


def packaged_asset(url: str) -> bytes:
    """The bytes of an `implhub-asset:` URL; refuses anything outside ASSET_ROOTS."""
    path = PurePosixPath(url.split(":", 1)[1].split("?", 1)[0].split("#", 1)[0].lstrip("/"))
    if ".." in path.parts or not any(str(path).startswith(root + "/") for root in ASSET_ROOTS):
        raise RefusedURL(f"refused {url!r}: not one of implhub's packaged assets")
    resource = files("implhub").joinpath(*path.parts)
    if not resource.is_file():
        raise RefusedURL(f"refused {url!r}: no such packaged asset")
    return resource.read_bytes()


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PackagedOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves data: URIs and packaged assets; refuses file:, http(s) to any host, the rest."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            scheme = url.split(":", 1)[0].strip().lower()
            if scheme == "data":
                return super().fetch(url, headers)  # urllib's data: handler, no I/O
            if scheme == ASSET_SCHEME:
                import mimetypes

                mime = mimetypes.guess_type(url.split(":", 1)[1])[0] or "application/octet-stream"
                return URLFetcherResponse(url, packaged_asset(url), {"Content-Type": mime})
            raise RefusedURL(f"refused {url[:80]!r}: PDFs only load data: URIs and implhub's packaged assets")

    return PackagedOnlyFetcher()


def html_to_pdf(html: str, *, field: str | None = "--format") -> bytes:
    """The PDF of a complete HTML page; its resources only from data: URIs and packaged assets."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # the Python package loads, its system libraries (Pango, HarfBuzz) do not
        raise RenderError(
            f"PDF output needs WeasyPrint's system libraries ({exc}); on Debian or Ubuntu install them with "
            f"'apt-get install {PDF_PACKAGES}', or choose --format html", field=field) from None
    # no base URL: a relative reference has nothing to resolve against and is ignored
    document = HTML(string=html, base_url=None, url_fetcher=_fetcher()).render()
    document.metadata.attachments = []  # <link rel="attachment">
    for page in document.pages:  # <a rel="attachment">: would become /FileAttachment annotations
        page.links = [link for link in page.links if link[0] != "attachment"]
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
