"""Import and export of site registers (issue 8): real files from real offices, a report of every row.

Formats: GeoJSON, GeoPackage, zipped Shapefile, KML, CSV and XLSX, read and written both ways.
Collections: stations, memorials, cemeteries, graves, areas and martyr records (英名录: not points; their burial
place is named by the sites' codes, see ``martyrs``).

Modules: ``readers`` (files to rows of original values, encoding detection), ``columns`` (header aliases
and the --map option), ``coords`` (coordinates to WGS-84, swapped lat/lon), ``checks`` (per-row checks with
the collection's own pydantic fields, the martyr records' too), ``staging`` (COPY into a temp table, reject
and classify rows: shared by the loads), ``load`` (one transaction: set-based area checks, upsert on ``code``),
``martyrs`` (the martyr records' load and export), ``report`` (the per-row report and the rejects file),
``report_store`` and ``rejects_store`` (an upload's report, a dry run's file and the rejects file kept in
the database, table ``import_reports``), ``run`` (the whole import), ``writers`` and
``export`` (the same formats out, and per-area summaries to Excel).

Decisions (documented here once):

- Every row needs its register ``code``: a row without one is rejected (an insert-only row would be
  inserted again on every re-import, and re-importing the same file must change nothing).
- Codes repeated within one file reject every row that carries them (we cannot tell which is right).
- A re-import updates only the columns the file has (plus the point and the area): a register that
  lacks a column never wipes it. A row equal to the stored one (points within 1e-7 degrees, about
  1 cm) is counted unchanged and not written at all.
- A zipped Shapefile with no .cpg and a DBF language driver id that says nothing (0, or GDAL's default 87) has
  its text decoded as UTF-8 when every record decodes so, else as GB18030 (``readers.shapefile_encoding``).
- Polygon columns (protection_zone, control_zone, boundary) travel as GeoJSON text in a column of
  that name; in a zipped Shapefile (254-character text limit) as extra layers named after the column.
"""
