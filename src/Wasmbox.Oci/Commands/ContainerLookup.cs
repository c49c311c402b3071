using Wasmbox.Oci.Cli;
using Wasmbox.Oci.Delegation;
using Wasmbox.Oci.State;

namespace Wasmbox.Oci.Commands;

/// <summary>Whose container an id is: ours (state under wasmbox@oci), runc's (its own state root), or nobody's.</summary>
internal static class ContainerLookup
{
    /// <summary>Ours: its state. Runc's: null, and <paramref name="delegated"/> is true. Nobody's: null.</summary>
    public static ContainerState? Find(OciContext context, string id, out bool delegated)
    {
        var state = context.Store.TryRead(id);
        delegated = state is null && RuncDelegate.Owns(context, id);
        return state;
    }
}
