module.exports = {
  "versionNumber": "2.0.0.0",
  "versionNumberLegacy": "1.0.3.18"
}
