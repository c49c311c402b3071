using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Wasmbox.Wasi.Abi;
using Wasmbox.Wasi.Memory;

namespace Wasmbox.Wasi.Net;

/// <summary>
/// WASIX's <c>addr_port</c> and <c>addr</c> structs in guest memory, both ways.
/// </summary>
/// <remarks>
/// <code>
/// addr_port (20 bytes, align 2)        addr (18 bytes, align 2)
///   +0  u8   tag: 1 inet4, 2 inet6       +0  u8   tag
///   +1  u8   padding (written 0)         +1  u8   padding
///   +2  u16  port, little-endian         +2  [16] address: 4 bytes for inet4, then zeros
///   +4  [16] address: 4 bytes for inet4, then zeros
/// </code>
/// <para>Why the port is little-endian both ways: the witx type is a plain <c>u16</c>, which the wasm ABI lays out
/// little-endian, and wasix-libc converts it with <c>ntohs</c>/<c>htons</c> in both directions. Wasmer reads it that
/// way but writes it back big-endian (in sock_addr_local, sock_addr_peer, sock_accept_v2, sock_recv_from), so a
/// wasix-libc program on Wasmer sees getsockname's port byte-swapped; we follow the witx and wasix-libc
/// (docs/wasi-deviations.md, "WASIX port byte order").</para>
/// <para>Why 20 bytes and not the 110 of newer wasix-libc headers, whose union also holds a Unix path: the IP layouts
/// are the same in both, and writing only 20 bytes never runs past the struct of a program built with the older header.
/// Newer headers give IPv6 addresses a flow label and scope id after the 16 address bytes; they are not read and not
/// written (a scope id has no meaning for the addresses the policy can allow).</para>
/// </remarks>
public static class WasixAddress
{
    /// <summary>Bytes of <c>addr_port</c> read or written.</summary>
    public const uint AddrPortSize = 20;

    /// <summary>Bytes of one <c>addr</c> (the stride of resolve's output array).</summary>
    public const uint AddrSize = 18;

    /// <summary>
    /// Reads an <c>addr_port</c>; traps (a guest memory error) when it is out of bounds or not 2-aligned. EAFNOSUPPORT for
    /// a tag that is not inet4 or inet6 (unspecified and Unix addresses are not served).
    /// </summary>
    public static Errno ReadAddrPort(GuestMemory memory, uint ptr, out IPEndPoint endPoint)
    {
        endPoint = null!;
        var tag = (WasixFamily)memory.ReadU8(ptr);
        var length = tag switch { WasixFamily.Inet4 => 4u, WasixFamily.Inet6 => 16u, _ => 0u };
        memory.RequireInBounds(ptr, 4 + Math.Max(length, 4));
        var port = memory.ReadU16(ptr + 2);
        if (length == 0) return Errno.Afnosupport;
        endPoint = new IPEndPoint(new IPAddress(memory.Slice(ptr + 4, length)), port);
        return Errno.Success;
    }

    /// <summary>Checks that an <c>addr_port</c> can be written at <paramref name="ptr"/> (traps otherwise), before the call does anything.</summary>
    public static void RequireAddrPort(GuestMemory memory, uint ptr)
    {
        memory.RequireInBounds(ptr, AddrPortSize);
        memory.ReadU16(ptr); // alignment
    }

    /// <summary>Writes an <c>addr_port</c> (all 20 bytes). An IPv4-mapped IPv6 address is written as the IPv4 address it carries.</summary>
    public static void WriteAddrPort(GuestMemory memory, uint ptr, IPEndPoint endPoint)
    {
        var target = memory.Slice(ptr, AddrPortSize);
        memory.ReadU16(ptr); // alignment
        target.Clear();
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        target[0] = (byte)(address.AddressFamily == AddressFamily.InterNetworkV6 ? WasixFamily.Inet6 : WasixFamily.Inet4);
        BinaryPrimitives.WriteUInt16LittleEndian(target[2..], (ushort)endPoint.Port);
        address.TryWriteBytes(target[4..], out _);
    }

    /// <summary>Writes one <c>addr</c> (18 bytes) for resolve.</summary>
    public static void WriteAddr(GuestMemory memory, uint ptr, IPAddress address)
    {
        var target = memory.Slice(ptr, AddrSize);
        target.Clear();
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        target[0] = (byte)(address.AddressFamily == AddressFamily.InterNetworkV6 ? WasixFamily.Inet6 : WasixFamily.Inet4);
        address.TryWriteBytes(target[2..], out _);
    }

    /// <summary>An address for messages and traces: <c>1.2.3.4:80</c>, <c>[::1]:80</c>.</summary>
    public static string Describe(IPEndPoint endPoint) =>
        endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]:{endPoint.Port}" : $"{endPoint.Address}:{endPoint.Port}";

    /// <summary>The <c>addr_port</c> at <paramref name="ptr"/> for a trace line, or why it cannot be read; never traps.</summary>
    public static string Describe(GuestMemory memory, uint ptr)
    {
        try
        {
            return ReadAddrPort(memory, ptr, out var endPoint) == Errno.Success ? Describe(endPoint) : $"family {memory.ReadU8(ptr)}";
        }
        catch (Exception e) when (e is WasiTrap or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return "out of bounds";
        }
    }
}
