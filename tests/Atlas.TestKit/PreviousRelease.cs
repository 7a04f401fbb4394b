using Microsoft.Data.Sqlite;

namespace Atlas.TestKit;

/// <summary>Databases made by the previous release: tests/fixtures/previous-release/*.sql (schema and rows, as
/// <c>.dump</c> writes them) loaded into a real SQLite file, and a way to compare schemas.</summary>
public static class PreviousRelease
{
    public static string SqlPath(string name) => Path.Combine(RepoPaths.Root, "tests", "fixtures", "previous-release", name);

    /// <summary>Creates <paramref name="dbPath"/> from the fixture <paramref name="name"/> (e.g. node-v1.sql).</summary>
    public static void Create(string name, string dbPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(dbPath)!);
        // A dump lists tables alphabetically (listing_versions before listings): load it with foreign keys off.
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Pooling = false, ForeignKeys = false }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = File.ReadAllText(SqlPath(name));
        cmd.ExecuteNonQuery();
    }

    public static long Scalar(string dbPath, string sql)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every table, index and trigger with its SQL, sorted: equal for equal schemas.</summary>
    public static IReadOnlyList<string> Schema(string dbPath)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT type || ' ' || name || ': ' || IFNULL(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name";
        using var reader = cmd.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            // .dump writes CREATE TABLE without IF NOT EXISTS and may quote names; compare on normalised whitespace.
            rows.Add(string.Join(' ', reader.GetString(0).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        }
        return rows;
    }
}
