from decouple import config

BOOTSTRAP_SERVERS = config("KAFKA_BOOTSTRAP_SERVERS")
API_PORT = config("API_PORT", cast=int)
DEBUG = config("DEBUG", default=False, cast=bool)
EVENTS_TOPIC = config("EVENTS_TOPIC")
BATCH_LIMIT = config("BATCH_LIMIT", default=2, cast=int)
