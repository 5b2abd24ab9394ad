"""Database backstops shared by the service apps: vendor SQL for triggers, chosen per engine."""
