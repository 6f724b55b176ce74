class PhotoKindConverter:
    regex = "item|logo|avatar"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
