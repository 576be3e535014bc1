REQUIRED = {"user_id": str, "film_id": str, "position": int}


def problems_of(event):
    return [
        f"{field}: expected {kind.__name__}"
        for field, kind in REQUIRED.items()
        if not isinstance(event.get(field), kind)
    ]
