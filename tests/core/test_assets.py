"""Every stylesheet and script a page links is served by the app itself (no CDN, works offline)."""

import re


def test_linked_assets_are_local_and_served(client, session):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', html)
    assert len(urls) >= 4
    for url in urls:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url
