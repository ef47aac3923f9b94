"""The documentation page: the OpenAPI document rendered as plain HTML on the server (no script, no CDN)."""

METHODS = ("get", "post", "put", "patch", "delete")
# smorest describes a success by its English phrase.
PHRASES = {"OK": "Gelukt", "Created": "Aangemaakt", "Not Modified": "Ongewijzigd"}


def type_of(prop):
    """A short readable type for a JSON schema property."""
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    kind = prop.get("type", "object")
    kinds = [k for k in (kind if isinstance(kind, list) else [kind]) if k != "null"]
    text = " of ".join(kinds) or "null"
    if "array" in kinds and "items" in prop:
        text = f"lijst van {type_of(prop['items'])}"
    if prop.get("format"):
        text += f" ({prop['format']})"
    if (isinstance(kind, list) and "null" in kind) or prop.get("nullable"):
        text += ", mag null zijn"
    return text


def _body_schema(content):
    for media, body in (content or {}).items():
        return media, type_of(body.get("schema", {}))
    return None, None


def operations(spec):
    """Per path and method: summary, parameters, request body and responses, in document order."""
    result = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            params = [
                {
                    "name": p["name"],
                    "where": {"path": "pad", "query": "query", "header": "kop"}.get(p["in"], p["in"]),
                    "type": type_of(p.get("schema", {})),
                    "required": p.get("required", False),
                    "description": p.get("description", ""),
                }
                for p in shared + op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content")
            responses = []
            for code, response in op.get("responses", {}).items():
                if "$ref" in response:
                    name = response["$ref"].rsplit("/", 1)[-1]
                    response = spec["components"]["responses"].get(name, {})
                media, schema = _body_schema(response.get("content"))
                responses.append(
                    {
                        "code": "andere" if code == "default" else code,
                        "media": media,
                        "schema": schema,
                        "description": PHRASES.get(response.get("description", ""), response.get("description", "")),
                    }
                )
            result.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "tag": (op.get("tags") or [""])[0],
                    "params": params,
                    "body": _body_schema(body)[1] if body else None,
                    "responses": responses,
                }
            )
    return result


def schemas(spec):
    """Every named schema with its fields."""
    found = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        fields = [
            {
                "name": field,
                "type": type_of(prop),
                "required": field in required,
                "description": prop.get("description", ""),
                "limit": prop.get("maxLength") or prop.get("maxItems"),
            }
            for field, prop in schema.get("properties", {}).items()
        ]
        found.append({"name": name, "fields": fields})
    return found
