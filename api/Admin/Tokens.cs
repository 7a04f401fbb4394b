using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Atlas.Api.Data;
using Atlas.Protocol.Signing;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Atlas.Api.Admin;

/// <summary>Admin bearer tokens: 32 random bytes shown once; the node stores only their SHA-256, so a
/// stolen database does not give admin access.</summary>
public static class Tokens
{
    public const string Admin = "admin";
    public const string Editor = "editor";
    public const string Prefix = "atlas_";

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static (long Id, string Token) Create(SqliteConnection conn, SqliteTransaction tx, string role, string name, long now)
    {
        var token = Prefix + Base64Url.Encode(RandomNumberGenerator.GetBytes(32));
        var id = conn.ExecuteScalar<long>("INSERT INTO tokens (name, role, hash, created_at) VALUES (@name, @role, @hash, @now) RETURNING id",
            new { name, role, hash = Hash(token), now }, tx);
        return (id, token);
    }

    public static bool IsValidName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= 100 && name.All(c => !char.IsControl(c) && c is not ('<' or '>'));
}
