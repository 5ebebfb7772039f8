"""The hackattic plugin for the challenge basic_face_detection (see its README.md)."""
