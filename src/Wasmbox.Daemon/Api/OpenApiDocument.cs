namespace Wasmbox.Daemon.Api;

/// <summary>
/// The API's OpenAPI 3.1 document, served at <c>/openapi.json</c>. Written by hand next to the routes
/// (<see cref="SandboxApi"/>) rather than generated at run time: the daemon is NativeAOT and the document is small.
/// </summary>
internal static class OpenApiDocument
{
    public const string Json = """
    {
      "openapi": "3.1.0",
      "info": { "title": "Wasmbox daemon", "version": "1", "description": "Spawn, list, inspect, stop, wait for and read the logs of sandboxed WASI modules. Errors are RFC 7807 problem details (application/problem+json) whose type ends in a stable code." },
      "paths": {
        "/v1/info": { "get": { "summary": "Who is answering", "responses": { "200": { "description": "DaemonInfo" } } } },
        "/v1/modules": { "post": { "summary": "Upload a module (raw .wasm or .wat bytes); content-addressed by SHA-256",
          "requestBody": { "content": { "application/wasm": {}, "application/octet-stream": {} } },
          "responses": { "201": { "description": "ModuleView" }, "413": { "description": "larger than the module limit" }, "422": { "description": "not a WASI command module" } } } },
        "/v1/modules/{sha256}": { "get": { "summary": "Whether the daemon holds a module", "parameters": [ { "name": "sha256", "in": "path", "required": true, "schema": { "type": "string" } } ],
          "responses": { "200": { "description": "ModuleView" }, "404": { "description": "unknown module" } } } },
        "/v1/sandboxes": {
          "post": { "summary": "Spawn a sandbox", "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SpawnRequest" } } } },
            "responses": { "201": { "description": "SandboxView" }, "400": { "description": "bad request or policy" }, "403": { "description": "beyond an operator ceiling" },
              "404": { "description": "unknown module" }, "409": { "description": "name taken" }, "413": { "description": "body too large" }, "429": { "description": "too many sandboxes (Retry-After)" } } },
          "get": { "summary": "List sandboxes", "parameters": [ { "name": "state", "in": "query", "schema": { "type": "string" } }, { "name": "label", "in": "query", "schema": { "type": "string", "description": "KEY or KEY=VALUE" } }, { "name": "name", "in": "query", "schema": { "type": "string" } } ],
            "responses": { "200": { "description": "array of SandboxView" } } } },
        "/v1/sandboxes/{id}": {
          "get": { "summary": "One sandbox, by id or name", "parameters": [ { "$ref": "#/components/parameters/id" } ], "responses": { "200": { "description": "SandboxView" }, "404": { "description": "unknown" } } },
          "delete": { "summary": "Remove a sandbox and its logs", "parameters": [ { "$ref": "#/components/parameters/id" }, { "name": "force", "in": "query", "schema": { "type": "boolean" } } ],
            "responses": { "204": { "description": "removed" }, "409": { "description": "running; pass force=true" } } } },
        "/v1/sandboxes/{id}/kill": { "post": { "summary": "Stop a sandbox", "parameters": [ { "$ref": "#/components/parameters/id" } ], "responses": { "202": { "description": "SandboxView" }, "409": { "description": "not running" } } } },
        "/v1/sandboxes/{id}/wait": { "post": { "summary": "Long poll until the sandbox has ended", "parameters": [ { "$ref": "#/components/parameters/id" } ], "responses": { "200": { "description": "SandboxView, final" } } } },
        "/v1/sandboxes/{id}/logs": { "get": { "summary": "Its output, stdout and stderr interleaved in write order",
          "parameters": [ { "$ref": "#/components/parameters/id" }, { "name": "follow", "in": "query", "schema": { "type": "boolean" } }, { "name": "tail", "in": "query", "schema": { "type": "integer" } },
            { "name": "since", "in": "query", "schema": { "type": "string", "format": "date-time" } }, { "name": "stream", "in": "query", "schema": { "enum": [ "stdout", "stderr" ] } },
            { "name": "run", "in": "query", "schema": { "type": "integer", "minimum": 1 }, "description": "only what this run wrote" } ],
          "responses": { "200": { "description": "raw bytes; header X-Wasmbox-Log-Dropped-Bytes counts what the log limit dropped" } } } },
        "/v1/events": { "get": { "summary": "The daemon's events as server-sent events (id: sequence number, event: kind, data: JSON); resume with Last-Event-ID",
          "parameters": [ { "name": "sandbox", "in": "query", "schema": { "type": "string" }, "description": "id or name (repeatable)" },
            { "name": "kind", "in": "query", "schema": { "type": "string" }, "description": "created, started, exited, restarted, limit_hit, refused, killed, lost, pool_empty; comma-separated or repeated" },
            { "name": "since", "in": "query", "schema": { "type": "integer" }, "description": "start after this sequence number" },
            { "name": "follow", "in": "query", "schema": { "type": "boolean" }, "description": "false: send what the daemon holds, then end" },
            { "name": "heartbeat", "in": "query", "schema": { "type": "number" }, "description": "seconds between heartbeat comments (default 15)" } ],
          "responses": { "200": { "description": "text/event-stream; besides sandbox events: gap, overflow and shutdown notices" }, "400": { "description": "bad query" } } } },
        "/metrics": { "get": { "summary": "Prometheus text format 0.0.4 (docs/metrics.md)", "responses": { "200": { "description": "text/plain; version=0.0.4" } } } }
      },
      "components": {
        "parameters": { "id": { "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "id or name" } },
        "schemas": {
          "SpawnRequest": { "type": "object", "properties": {
            "module_sha256": { "type": ["string", "null"] }, "module_path": { "type": ["string", "null"] }, "args": { "type": ["array", "null"], "items": { "type": "string" } },
            "policy": { "type": ["object", "null"], "description": "the keys of a policy file: dir, ro-dir, env, max-memory, fuel, timeout, cpu-time, cpus, isolation, max-open-files, max-disk-write, max-output, max-compile-time, max-compile-memory, allow-net, max-connections, max-net-bytes, deterministic, seed" },
            "name": { "type": ["string", "null"] }, "labels": { "type": ["object", "null"], "additionalProperties": { "type": "string" } },
            "stdin_base64": { "type": ["string", "null"] }, "argv0": { "type": ["string", "null"] },
            "restart": { "type": ["string", "null"], "description": "no (default), on-failure, on-failure:N, always or unless-stopped" } } }
        }
      }
    }
    """;
}
