"""Posting list actions the way a list page does: the ticked rows, or "Selecteer alle N" with the server's token."""


def select_all(client, base, query=""):
    """Ask the list which rows its filter matches now, as the page's script does: (count, token)."""
    response = client.get(base + "selectie/" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.status_code
    answer = response.get_json()
    return answer["count"], answer["token"]


def act(client, base, action, *, ids=(), query="", alle=None, token=None, follow=False, **extra):
    """Post a list action to the action URL carrying the list's query string.

    `alle=N`: choose every row the filter matches (the test states how many it expects); `token`: post a token
    got earlier (e.g. before the rows changed) instead of asking for one now. Other keywords are form fields.
    """
    data = {"action": action, "url": base + (f"?{query}" if query else ""), "rowid": [str(i) for i in ids], **extra}
    if alle is not None or token is not None:
        if token is None:
            count, token = select_all(client, base, query)
            assert count == alle, f"the filter matches {count}, the test expected {alle}"
        data.update({"alle": "1", "alle_token": token})
    return client.post(base + "action/" + (f"?{query}" if query else ""), data=data, follow_redirects=follow)
