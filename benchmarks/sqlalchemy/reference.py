#!/usr/bin/python3
"""SQLAlchemy's side of bench=sqlalchemy_*: the same workloads as benchmarks/sqlalchemy_reference.cpp,
on the tables that program created and filled, written the way the seed writes them.

Usage: reference.py <workload> <strata URL> <rounds>
Prints `sqlalchemy_ms=<best of rounds> checksum=<n>`; exits 3 when SQLAlchemy or psycopg2 is missing.
"""
import sys
import time

try:
    import sqlalchemy
    from sqlalchemy import BigInteger, Column, Float, ForeignKey, Text, create_engine
    from sqlalchemy.orm import Session, declarative_base, relationship, selectinload
    if sys.argv[2].startswith("postgresql"):
        import psycopg2  # noqa: F401  (the driver SQLAlchemy will use)
except ImportError as missing:
    print(f"missing: {missing}", file=sys.stderr)
    sys.exit(3)

Base = declarative_base()


def user_model(class_name, table_name):
    """The seed's User mapped to one of the three user tables (one per workload)."""
    return type(class_name, (Base,), dict(__tablename__=table_name, id=Column(BigInteger, primary_key=True),
                                          email=Column(Text), name=Column(Text), score=Column(Float)))


User = user_model("User", "sa_users")
BulkUser = user_model("BulkUser", "sa_bulk_users")
StreamUser = user_model("StreamUser", "sa_stream_users")


class Author(Base):
    __tablename__ = "example_authors"
    id = Column(BigInteger, primary_key=True)
    name = Column(Text)
    books = relationship("Book", order_by="Book.id")


class Book(Base):
    __tablename__ = "example_books"
    id = Column(BigInteger, primary_key=True)
    title = Column(Text)
    author_id = Column(BigInteger, ForeignKey("example_authors.id"))


def hydrate(engine):
    with Session(engine) as session:
        users = session.query(User).all()
        return sum(u.id + len(u.email) for u in users)


def bulk_insert(engine):
    dataset = [dict(email=f"user{i}@example.com", name=f"User Number {i}", score=i * 0.25) for i in range(100_000)]
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM sa_bulk_users")
    start = time.perf_counter()
    with Session(engine) as session:
        session.bulk_insert_mappings(BulkUser, dataset)
        session.commit()
    elapsed = time.perf_counter() - start
    return len(dataset), elapsed


def eager(engine):
    with Session(engine) as session:
        authors = session.query(Author).options(selectinload(Author.books)).all()
        return sum(a.id + len(a.name) + 3 * b.id + len(b.title) for a in authors for b in a.books)


def stream(engine):
    with Session(engine) as session:
        return sum(u.id + len(u.email) for u in session.query(StreamUser).yield_per(1000))


def main():
    workload, url, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    engine = create_engine(url)
    best = float("inf")
    checksum = 0
    for _ in range(rounds):
        if workload == "bulk_insert":
            checksum, elapsed = bulk_insert(engine)
        else:
            start = time.perf_counter()
            checksum = {"hydrate": hydrate, "eager_load": eager, "stream": stream}[workload](engine)
            elapsed = time.perf_counter() - start
        best = min(best, elapsed)
    print(f"sqlalchemy_ms={best * 1000:.2f} checksum={checksum} version={sqlalchemy.__version__}")


if __name__ == "__main__":
    main()
