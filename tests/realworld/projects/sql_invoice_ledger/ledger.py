"""Invoices kept in PostgreSQL: the engine is built from DATABASE_URL at import, the tables are
created and the VAT rates written there; the billing functions use the engine."""

import os

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
    update,
)

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgresql+psycopg2://ledger:s3cret@db.internal:5432/ledger"
)
engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=5, pool_pre_ping=True)

metadata = MetaData()
invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer", String(64), nullable=False),
    Column("cents", Integer, nullable=False),
    Column("status", String(16), nullable=False, default="open"),
)
vat_rates = Table(
    "vat_rates",
    metadata,
    Column("country", String(2), primary_key=True),
    Column("percent", Integer, nullable=False),
)
metadata.create_all(engine)

with engine.begin() as connection:
    if connection.execute(select(vat_rates)).first() is None:
        connection.execute(
            insert(vat_rates), [{"country": "DE", "percent": 19}, {"country": "FR", "percent": 20}]
        )


def bill(customer, cents, country):
    with engine.begin() as conn:
        percent = conn.execute(
            select(vat_rates.c.percent).where(vat_rates.c.country == country)
        ).scalar_one_or_none()
        if percent is None:
            raise ValueError(f"no VAT rate for {country}")
        total = cents + cents * percent // 100
        return conn.execute(insert(invoices).values(customer=customer, cents=total)).inserted_primary_key[0]


def settle(customer):
    with engine.begin() as conn:
        return conn.execute(
            update(invoices)
            .where(invoices.c.customer == customer, invoices.c.status == "open")
            .values(status="paid")
        ).rowcount


def outstanding(customer):
    with engine.connect() as conn:
        return conn.execute(
            select(func.coalesce(func.sum(invoices.c.cents), 0)).where(
                invoices.c.customer == customer, invoices.c.status == "open"
            )
        ).scalar_one()
