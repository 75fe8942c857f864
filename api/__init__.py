"""VetMap HTTP layer: FastAPI app factory, routers, request/response schemas, error mapping."""
