namespace Wasmbox.Wasi.State;

// What host files and directories add to every descriptor.
public abstract partial class WasiFd
{
    /// <summary>
    /// The descriptor comes from a read-only grant (or was opened beneath one): every call that would change the host
    /// file system through it is refused before it reaches the host. False for stdio and sockets.
    /// </summary>
    public virtual bool ReadOnly => false;
}
