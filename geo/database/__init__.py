"""The database: engine and pools, the embedded cluster, migrations, backups, read replicas, health."""
