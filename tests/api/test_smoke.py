from tests.api.conftest import Api


async def test_health(api: Api) -> None:
    response = await api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] in ("ok", "degraded")
