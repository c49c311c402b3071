using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Cli;

/// <summary>What every subcommand gets: the global flags, the log, the state store and stdout.</summary>
internal sealed record OciContext(GlobalOptions Global, OciLog Log, StateStore Store, TextWriter Stdout);
