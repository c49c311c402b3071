namespace Wasmbox.Oci.Cli;

/// <summary>
/// A request wasmbox-oci refuses or cannot carry out. Its message is the one line the caller sees: on stderr (podman
/// reads it) and as the last <c>msg</c> in <c>--log</c> (containerd's shim reads it); it says what to do.
/// </summary>
internal sealed class OciException(string message) : Exception(message);
