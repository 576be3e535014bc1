class Basket:
    def __init__(self, store, user):
        self.store = store
        self.key = f"basket:{user}"

    def add(self, item):
        self.store.hincrby(self.key, item, 1)
        return self.items()

    def items(self):
        return {k.decode(): int(v) for k, v in sorted(self.store.hgetall(self.key).items())}
