"""Hostile and broken answers for the fault modes a client's parser must survive.

Why: the product's hardened parser must refuse a response that declares an external entity
(``xxe``) or an exponential entity expansion (``entity_bomb``) instead of reading local files or
exhausting memory; and it must treat a Cloudflare 524 as "outcome unknown", not as a parse error.
"""

from __future__ import annotations

from xml.sax.saxutils import escape


def _control(control: dict[str, str], senderid: str) -> str:
    return (
        "<control><status>success</status>"
        f"<senderid>{senderid}</senderid>"
        f"<controlid>{escape(control.get('controlid', ''))}</controlid>"
        f"<uniqueid>{escape(control.get('uniqueid', 'false'))}</uniqueid>"
        f"<dtdversion>{escape(control.get('dtdversion', '3.0'))}</dtdversion></control>"
    )


def xxe_body(control: dict[str, str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        f"<response>{_control(control, '&xxe;')}</response>\n"
    ).encode()


def entity_bomb_body(control: dict[str, str]) -> bytes:
    ents = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "lol" if i == 1 else f"lol{i - 1}"
        ents.append(f'<!ENTITY lol{i} "{("&" + prev + ";") * 10}">')
    dtd = "<!DOCTYPE response [" + "".join(ents) + "]>"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{dtd}\n<response>{_control(control, "&lol9;")}</response>\n'.encode()
    )


def cloudflare_524() -> bytes:
    """A Cloudflare 'A timeout occurred' page, kept well-formed so any XML-first client can read it."""
    return (
        b"<!DOCTYPE html>\n"
        b'<html lang="en-US"><head><title>api.intacct.com | 524: A timeout occurred</title></head>'
        b'<body><div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">'
        b'<h1><span class="cf-error-type">Error</span> <span class="cf-error-code">524</span></h1>'
        b"<h2>A timeout occurred</h2>"
        b"<p>The origin web server timed out responding to this request.</p>"
        b"</div></div></body></html>\n"
    )
