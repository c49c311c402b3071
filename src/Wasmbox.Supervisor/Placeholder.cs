namespace Wasmbox.Supervisor; internal static class Placeholder {}
