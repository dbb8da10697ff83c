import Foundation
import Testing

@Test func referenceDirectoryHasTheDocumentedFolders() throws {
    // The public reference set ships these four folders; a custom COPRO_REFERENCE_DIR may hold fewer.
    let fm = FileManager.default
    let dir = ReferenceDirectory.url.path
    try #require(fm.fileExists(atPath: dir), "reference directory \(dir) not found; set COPRO_REFERENCE_DIR")
    let present = ["survey", "classical", "distributions", "nist"].filter {
        fm.fileExists(atPath: dir + "/" + $0)
    }
    #expect(!present.isEmpty)
}
