namespace Wasmbox.Supervisor.State;

/// <summary>The state database cannot be used (newer schema, not a database, WAL unavailable); the message says what to do.</summary>
public sealed class StateStoreException(string message, Exception? inner = null) : Exception(message, inner);
