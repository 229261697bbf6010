/* Take it away: case studies as a CSV file with the spreadsheet's columns, made in the browser.
 *
 * No., Name, Type of place, Sector(s), Location, Summary, Relationships spotlight, then the
 * ten opportunities with the text of each note; one row per case study, in the order given.
 * RFC 4180 (fields quoted when they hold a comma, quote or line break; CRLF between
 * records), UTF-8 with a byte order mark so that Excel reads the accents. The file is a Blob
 * download, so it works over file:// too. The summaries and spotlights come from search.js
 * (search-text.js loads it). A classic script: it defines window.HubCSV.
 */
(function () {
  "use strict";

  function quote(value) {
    var text = value === null || value === undefined ? "" : String(value);
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  /** The CSV text of a list of rows (each a list of cells). */
  function text(rows) {
    return "\uFEFF" + rows.map(function (row) { return row.map(quote).join(","); }).join("\r\n") + "\r\n";
  }

  /** The spreadsheet's rows for case studies of the index (search.js must be loaded). */
  function rows(studies, opportunities) {
    var field = window.HubText.field;
    var head = ["No.", "Name", "Type of place", "Sector(s)", "Location", "Summary", "Relationships spotlight"]
      .concat(opportunities.map(function (o) { return o.name; }));
    return [head].concat(studies.map(function (cs) {
      return [cs.number === null ? "" : cs.number, cs.title, cs.type_of_place.join(", "), cs.sectors.join(", "),
              cs.location || "", field("case-study", cs.slug, "summary"), field("case-study", cs.slug, "spotlight")]
        .concat(opportunities.map(function (o) { return cs.notes[o.key] || ""; }));
    }));
  }

  function download(filename, content) {
    var url = URL.createObjectURL(new Blob([content], { type: "text/csv;charset=utf-8" }));
    var link = document.createElement("a");
    link.href = url;
    link.download = filename;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  /** Download the case studies (objects of index.js, in order) as filename. */
  function save(filename, studies, opportunities) {
    window.HubText.load(function () { download(filename, text(rows(studies, opportunities))); });
  }

  window.HubCSV = { text: text, rows: rows, save: save };
})();
