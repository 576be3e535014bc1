from registry.extensions.database import db


class Service(db.Model):
    __tablename__ = "services"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), nullable=False, unique=True)
    host = db.Column(db.String(128), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    routes = db.relationship("Route", back_populates="service")

    def to_json(self):
        return {
            "name": self.name,
            "host": self.host,
            "active": self.active,
            "routes": sorted(route.path for route in self.routes),
        }


class Route(db.Model):
    __tablename__ = "routes"

    id = db.Column(db.Integer, primary_key=True)
    service_id = db.Column(db.Integer, db.ForeignKey("services.id"), nullable=False)
    service = db.relationship("Service", back_populates="routes")
    path = db.Column(db.String(128), nullable=False)
