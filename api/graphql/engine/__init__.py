"""The GraphQL engine: documents parsed and validated once (persisted queries by hash, the
validation rules in their order), executed through compiled plans or graphql-core, errors
formatted for clients; the POST handler, GraphiQL and the WebSocket routes.

Its public surface is what this module exports: the feature packages build their schema with
`build_schema` and never reach inside; the server mounts `graphql_handlers`.
"""

from api.graphql.engine.endpoint import graphql_handlers
from api.graphql.engine.schema import build_schema

__all__ = ["build_schema", "graphql_handlers"]
