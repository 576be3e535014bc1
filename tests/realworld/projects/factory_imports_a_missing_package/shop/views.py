import harness_example_metrics_not_installed as metrics  # a metrics agent, absent here

try:  # optional: the pure-Python path when the C speed-ups are absent
    import harness_example_speedups_not_installed as speedups
except ImportError:
    speedups = None

visits = metrics.Counter("visits")
PRICES = {"pear": 120, "fig": 90}


def register(app):
    @app.get("/price/<item>")
    def price(item):
        visits.increment()
        if item not in PRICES:
            return {"error": f"no price for {item}"}, 404
        return {"item": item, "cents": PRICES[item]}
