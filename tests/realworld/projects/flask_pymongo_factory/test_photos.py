def test_an_uploaded_photo_is_stored_in_gridfs_and_served_back(legacy, mongo):
    photos = legacy.load("photos")
    client = photos.app.test_client()

    created = client.post("/albums/trip/photos/sea.jpg", data=b"\xff\xd8jpeg", content_type="image/jpeg")
    served = client.get("/albums/trip/photos/sea.jpg")

    assert created.status_code == 201
    assert (served.status_code, served.data, served.content_type) == (200, b"\xff\xd8jpeg", "image/jpeg")
    database = legacy.env()["MONGODB_DB"]
    assert [f["filename"] for f in mongo.documents(database, "fs.files")] == ["sea.jpg"]
    assert client.post("/albums/trip/photos/sea.jpg", data=b"again").status_code == 409


def test_an_album_lists_its_photos_by_name(legacy, mongo):
    photos = legacy.load("photos")
    mongo[legacy.env()["MONGODB_DB"]]["photos"].insert_many(
        [{"album": "trip", "name": "b.jpg"}, {"album": "trip", "name": "a.jpg"}, {"album": "home", "name": "c.jpg"}]
    )

    assert photos.app.test_client().get("/albums/trip").json == ["a.jpg", "b.jpg"]


def test_a_missing_photo_is_a_404_and_nothing_is_left_from_another_test(legacy, mongo):
    photos = legacy.load("photos")
    client = photos.app.test_client()

    assert client.get("/albums/trip/photos/sea.jpg").status_code == 404
    assert client.get("/albums/trip").json == []
    assert client.get("/health").json == {"api": "ok", "mongo": 1.0}
