from messaging import publish


def accept(order):
    if order.get("quantity", 0) <= 0:
        raise ValueError("quantity must be positive")
    total = round(order["quantity"] * order["unit_price"], 2)
    publish("orders", {"id": order["id"], "total": total})
    return total
